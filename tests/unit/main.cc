// GCC 12 reports a false -Wmaybe-uninitialized inside <regex> (used by Catch2's main) when
// built with sanitizers; it is not our code, so silence it here rather than lose -Werror.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
