# embed_text(TARGET FILE FUNCTION): compiles FILE into TARGET as
#   const char* FUNCTION();   (namespace bedrock)
# so the binary carries its data and needs no file at run time. Re-runs when FILE changes.
# The text is cut into raw string literals of at most 30,000 bytes, joined once at run time: a
# compiler need take no single literal longer than 65,536 characters (the C++ standard's minimum
# limit), and the model catalog is longer than that.
function(embed_text target file function)
  set(out ${CMAKE_BINARY_DIR}/generated/${function}.cc)
  file(READ ${file} content)
  string(LENGTH "${content}" length)
  set(chunk 30000)
  set(pieces "")
  set(start 0)
  while(start LESS length)
    string(SUBSTRING "${content}" ${start} ${chunk} piece)
    string(APPEND pieces "      R\"embedded(${piece})embedded\",\n")
    math(EXPR start "${start} + ${chunk}")
  endwhile()
  if(pieces STREQUAL "")
    set(pieces "      \"\",\n")
  endif()
  file(WRITE ${out}.tmp "// Generated from ${file} by cmake/embed_text.cmake.\n#include <string>\nnamespace bedrock {\nconst char* ${function}() {\n  static const char* const kPieces[] = {\n${pieces}  };\n  static const std::string kText = [] {\n    std::string text;\n    for (const char* piece : kPieces) text += piece;\n    return text;\n  }();\n  return kText.c_str();\n}\n}  // namespace bedrock\n")
  configure_file(${out}.tmp ${out} COPYONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  target_sources(${target} PRIVATE ${out})
endfunction()
