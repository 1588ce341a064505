// apps/terminal/interrupt.cpp — see interrupt.h.
#include "apps/terminal/interrupt.h"

#include <csignal>

namespace mcseg {

static std::atomic<bool> g_sigint{false};
extern "C" void mcseg_on_sigint(int) { g_sigint = true; }

SigintScope::SigintScope() {
    g_sigint = false;
    std::signal(SIGINT, mcseg_on_sigint);
}

SigintScope::~SigintScope() { std::signal(SIGINT, SIG_DFL); }

const std::atomic<bool>* SigintScope::flag() const { return &g_sigint; }

}  // namespace mcseg
