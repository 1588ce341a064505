// tests/layering/forbidden.cpp — scoring must not reach the synthesiser: evaluation does not link
// synth, so its view of the headers holds no apps/synth/ and this include must fail to compile.
#include "apps/synth/synth.h"
