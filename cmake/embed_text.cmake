# cmake -DIN=file -DOUT=header.h -DSYMBOL=kName -P embed_text.cmake
# Writes a header that holds IN's text as `inline constexpr char SYMBOL[]`, so that a file
# the program must read (a schema) is part of the binary rather than looked up at run time.
file(READ "${IN}" text)
string(FIND "${text}" ")qb_embedded\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )qb_embedded\"")
endif()
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}.tmp"
  "// Generated from ${name} by cmake/embed_text.cmake at build time; do not edit.\n"
  "#pragma once\n\n"
  "namespace qb::generated {\n"
  "inline constexpr char ${SYMBOL}[] = R\"qb_embedded(${text})qb_embedded\";\n"
  "}  // namespace qb::generated\n")
file(RENAME "${OUT}.tmp" "${OUT}")
