# install.cmake - what `cmake --install` puts where (GNU layout), and the .deb (`cpack -G DEB`).
#   bin/srgan                          the program (static libsrgan inside: no runtime path games)
#   lib/<multiarch>/libsrgan.so.N      the library with the embedded models, soname libsrgan.so.0
#   include/srgan.h, lib/.../pkgconfig/srgan.pc, lib/.../cmake/srgan/   for C programs
#   share/man/man1/srgan.1, bash and zsh completion
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS srgan-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS srgan_shared EXPORT srganTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Unspecified)
install(FILES include/srgan.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES docs/srgan.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES completions/srgan.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME srgan)
install(FILES completions/_srgan DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

# pkg-config
file(RELATIVE_PATH SR_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" SR_PC_TO_PREFIX "${SR_PC_TO_PREFIX}")
configure_file(cmake/srgan.pc.in ${CMAKE_CURRENT_BINARY_DIR}/srgan.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/srgan.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# find_package(srgan): the imported target srgan::srgan
install(EXPORT srganTargets NAMESPACE srgan:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/srgan)
configure_package_config_file(cmake/srganConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/srganConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/srgan)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/srganConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/srganConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/srganConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/srgan)

# The .deb: dependencies from the libraries the binaries link (dpkg-shlibdeps), so they are
# exactly Debian's runtime packages (libgomp1, libwebp7, libjpeg62-turbo, zlib1g, libc6, ...).
set(CPACK_PACKAGE_NAME srgan)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "srgan developers <srgan@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "batch image upscaler (SRGAN-family networks) for the CPU")
set(CPACK_PACKAGE_DESCRIPTION "srgan upscales folders of photos, textures and video frames 2x, 3x or 4x with super-resolution networks on every CPU core. Its own photo networks are built in; it also runs the ncnn models of Real-ESRGAN, waifu2x and Real-CUGAN.")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
include(CPack)
