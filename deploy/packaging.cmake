# Installation and Debian packages (CPack DEB): docs/deploy.md.
#   cmake --build build && (cd build && cpack -G DEB)
#     -> build/packages/posturemap_<version>_<arch>.deb, posturemap-dashboard_<version>_<arch>.deb
# One component per package, all made by one cpack run:
#   posturemap  (component posturemap): gateway, simulator and command-line tools, the systemd
#               unit, the default config, the broker kit;
#   posturemap-dashboard (component dashboard): the Qt desktop client, its .desktop entry and
#               icon. It does not depend on posturemap: it reaches a gateway over the network.
# Another package is another component: install its files with COMPONENT <name>, append <name>
# to CPACK_COMPONENTS_ALL and set CPACK_DEBIAN_<NAME>_PACKAGE_NAME / _DESCRIPTION below.
include(GNUInstallDirs)
# cpack installs what is built and packages it; it does not build every test and benchmark first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(PMAP_PACKAGED_TOOLS pmap-gateway pmap-sim pmap-calibrate pmap-analyze pmapctl pmap-db
                        pmap-html2pdf)
foreach(tool IN LISTS PMAP_PACKAGED_TOOLS)
  if(NOT TARGET ${tool})
    message(FATAL_ERROR "packaging: target ${tool} does not exist")
  endif()
endforeach()
install(TARGETS ${PMAP_PACKAGED_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT posturemap)
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/mosquitto/pmap-broker-setup
        DESTINATION ${CMAKE_INSTALL_SBINDIR} COMPONENT posturemap)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/mosquitto/pmap.conf ${CMAKE_CURRENT_LIST_DIR}/mosquitto/acl
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/posturemap/mosquitto COMPONENT posturemap)
# Absolute paths: the package installs them where Debian expects them, whatever the prefix.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/gateway.json DESTINATION /etc/pmap
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT posturemap)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/systemd/pmap-gateway.service
        DESTINATION /lib/systemd/system COMPONENT posturemap)
install(FILES ${PROJECT_SOURCE_DIR}/docs/deploy.md ${PROJECT_SOURCE_DIR}/docs/gateway.md
              ${PROJECT_SOURCE_DIR}/docs/firmware-sim.md ${PROJECT_SOURCE_DIR}/docs/protocol.md
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/posturemap COMPONENT posturemap)

# --- posturemap-dashboard (component dashboard) -------------------------------------------
if(NOT TARGET pmap-dashboard)
  message(FATAL_ERROR "packaging: target pmap-dashboard does not exist")
endif()
install(TARGETS pmap-dashboard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT dashboard)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/dashboard/pmap-dashboard.desktop
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications COMPONENT dashboard)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/dashboard/pmap-dashboard.svg
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/scalable/apps COMPONENT dashboard)
install(FILES ${PROJECT_SOURCE_DIR}/docs/dashboard.md
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/posturemap-dashboard COMPONENT dashboard)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME posturemap)
set(CPACK_PACKAGE_VENDOR "PostureMap")
set(CPACK_PACKAGE_CONTACT "PostureMap maintainers <posturemap@localhost>")
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPack DEB would put it in front of every package's own
# description as the synopsis. Each CPACK_DEBIAN_<NAME>_DESCRIPTION below is "synopsis\n" then
# the long description, one line per "\n" (no leading spaces: CPack adds one; "\n\n" = " .").
set(CPACK_PACKAGE_INSTALL_DIRECTORY posturemap)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL posturemap dashboard)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from the binaries' libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

set(CPACK_DEBIAN_POSTUREMAP_PACKAGE_NAME posturemap)
set(CPACK_DEBIAN_POSTUREMAP_DESCRIPTION
    "PostureMap gateway, mat simulator and tools
PostureMap turns the pressure maps under a person in bed and on a chair into
advice. This package holds pmap-gateway (MQTT -> SQLite, live state, HTTP API
and /metrics, the morning report, Home Assistant discovery) as the systemd
service pmap-gateway, pmap-sim, pmap-calibrate, pmap-analyze, pmapctl, pmap-db,
pmap-html2pdf, and pmap-broker-setup with a secured mosquitto configuration.

PostureMap is not a medical device.")
# Beyond the libraries: useradd/groupadd (passwd, essential); the broker kit wants these.
set(CPACK_DEBIAN_POSTUREMAP_PACKAGE_RECOMMENDS "mosquitto, openssl")
set(CPACK_DEBIAN_POSTUREMAP_PACKAGE_SUGGESTS "mosquitto-clients")
set(CPACK_DEBIAN_POSTUREMAP_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/debian/postinst ${CMAKE_CURRENT_LIST_DIR}/debian/prerm
    ${CMAKE_CURRENT_LIST_DIR}/debian/postrm ${CMAKE_CURRENT_LIST_DIR}/debian/conffiles)
set(CPACK_DEBIAN_POSTUREMAP_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_DASHBOARD_PACKAGE_NAME posturemap-dashboard)
set(CPACK_DEBIAN_DASHBOARD_DESCRIPTION
    "PostureMap desktop dashboard (Qt)
pmap-dashboard shows a PostureMap gateway's data on a desktop or laptop: live
pressure heatmaps of the bed and chair mats over MQTT and, over the gateway's
HTTP API, the nights by position, sitting days, pain trends, the morning report
and the pain diary. It is a network client of the gateway (package posturemap,
on this or another host) and does not need that package installed here.

PostureMap is not a medical device.")
# Depends: the libraries (Qt 6 Widgets/Charts/Network, Paho) from dpkg-shlibdeps; a font for
# the offscreen --screenshot mode and minimal desktops.
set(CPACK_DEBIAN_DASHBOARD_PACKAGE_RECOMMENDS "fonts-dejavu-core")
set(CPACK_DEBIAN_DASHBOARD_PACKAGE_SUGGESTS "posturemap")

include(CPack)
