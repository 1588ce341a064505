// tests/main.cpp — doctest's main; the suites are the other files in tests/.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
