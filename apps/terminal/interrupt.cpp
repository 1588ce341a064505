// apps/terminal/interrupt.cpp — see interrupt.h.
#include "apps/terminal/interrupt.h"

#include <csignal>

namespace mcseg {

static std::atomic<bool> g_requested{false};
static std::atomic<int> g_signal{0};
extern "C" void mcseg_on_interrupt(int sig) {
    g_signal = sig;
    g_requested = true;
}

InterruptScope::InterruptScope() {
    g_requested = false;
    g_signal = 0;
    std::signal(SIGINT, mcseg_on_interrupt);
    std::signal(SIGTERM, mcseg_on_interrupt);
}

InterruptScope::~InterruptScope() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

const std::atomic<bool>* InterruptScope::flag() const { return &g_requested; }

int InterruptScope::exit_status() const { return 128 + g_signal.load(); }

}  // namespace mcseg
