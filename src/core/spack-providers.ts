/**
 * Spack's own provider preferences: virtual → providers, most preferred first. These are facts
 * recorded from `packages: all: providers:` in Spack's `etc/spack/defaults/base/packages.yaml`, as
 * of Spack develop commit 9cf66332df3dd988248617fc93400045be59ebab (2026-01-16,
 * `spack.__version__` 1.2.0.dev0). That list last changed in e1560abb8 (2025-09-10, "Remove `D`
 * virtual", #51274), and it is the same in the v1.1.0 release. spack-packages of December 2025 to
 * January 2026 targets this Spack.
 *
 * An entry may carry variants (`zlib-ng+compat`): the provider is then resolved with them. The
 * resolver takes the first entry that names a package of the recipe repository providing the
 * virtual; a `providers:` entry in the config replaces the whole list for its virtual. Pure data.
 */
export const SPACK_DEFAULT_PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  awk: ['gawk'],
  armci: ['armcimpi'],
  blas: ['openblas', 'amdblis'],
  c: ['gcc', 'llvm', 'intel-oneapi-compilers'],
  cxx: ['gcc', 'llvm', 'intel-oneapi-compilers'],
  daal: ['intel-oneapi-daal'],
  elf: ['elfutils'],
  'fftw-api': ['fftw', 'amdfftw'],
  flame: ['libflame', 'amdlibflame'],
  fortran: ['gcc', 'llvm', 'intel-oneapi-compilers'],
  'fortran-rt': ['gcc-runtime', 'intel-oneapi-runtime'],
  fuse: ['libfuse'],
  gl: ['glx', 'osmesa'],
  glu: ['mesa-glu', 'openglu'],
  golang: ['go', 'gcc'],
  'go-or-gccgo-bootstrap': ['go-bootstrap', 'gcc'],
  iconv: ['libiconv'],
  ipp: ['intel-oneapi-ipp'],
  java: ['openjdk', 'jdk'],
  jpeg: ['libjpeg-turbo', 'libjpeg'],
  lapack: ['openblas', 'amdlibflame'],
  libc: ['glibc', 'musl'],
  libgfortran: ['gcc-runtime'],
  libglx: ['mesa+glx'],
  libifcore: ['intel-oneapi-runtime'],
  libllvm: ['llvm'],
  'lua-lang': ['lua', 'lua-luajit-openresty', 'lua-luajit'],
  luajit: ['lua-luajit-openresty', 'lua-luajit'],
  'mariadb-client': ['mariadb-c-client', 'mariadb'],
  mkl: ['intel-oneapi-mkl'],
  mpe: ['mpe2'],
  mpi: ['openmpi', 'mpich'],
  'mysql-client': ['mysql', 'mariadb-c-client'],
  opencl: ['pocl'],
  onedal: ['intel-oneapi-dal'],
  pbs: ['openpbs', 'torque'],
  pil: ['py-pillow'],
  pkgconfig: ['pkgconf', 'pkg-config'],
  qmake: ['qt-base', 'qt'],
  rpc: ['libtirpc'],
  scalapack: ['netlib-scalapack', 'amdscalapack'],
  sycl: ['hipsycl'],
  szip: ['libaec', 'libszip'],
  tbb: ['intel-tbb'],
  unwind: ['libunwind'],
  uuid: ['util-linux-uuid', 'libuuid'],
  'wasi-sdk': ['wasi-sdk-prebuilt'],
  'xkbdata-api': ['xkeyboard-config', 'xkbdata'],
  xxd: ['xxd-standalone', 'vim'],
  yacc: ['bison', 'byacc'],
  ziglang: ['zig'],
  'zlib-api': ['zlib-ng+compat', 'zlib'],
}
