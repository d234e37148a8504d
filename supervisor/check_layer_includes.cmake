cmake_policy(SET CMP0057 NEW)  # if(... IN_LIST ...)
# Run at build time by supervisor_layer() (CMakeLists.txt): fails when a
# file of LAYER includes a supervisor header of a layer not below it.
# -DLAYER=<folder> -DALLOWED=<comma-separated layers> -DFILES=<comma-separated files> -DSTAMP=<file>
string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" files "${FILES}")
foreach(file ${files})
  file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]supervisor/")
  foreach(line ${includes})
    string(REGEX REPLACE "^[^\"<]*[\"<]supervisor/([^/\">]+).*$" "\\1" used "${line}")
    if(NOT used IN_LIST allowed)
      message(FATAL_ERROR "${file}: ${line}\nThe ${LAYER} layer may include only ${ALLOWED}: "
                          "${used} is not below it (see README.md, \"How it is built\").")
    endif()
  endforeach()
endforeach()
file(TOUCH ${STAMP})
