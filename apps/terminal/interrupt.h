// apps/terminal/interrupt.h — Ctrl-C (SIGINT) and SIGTERM (what `kill` and schedulers send) as a
// request, not a kill: while an InterruptScope is alive, either signal only sets a flag that long
// loops (training) poll, so they can save their work and stop cleanly.
#pragma once
#include <atomic>

namespace mcseg {

class InterruptScope {
public:
    InterruptScope();   // installs the handlers and clears the flag
    ~InterruptScope();  // restores the default actions
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;
    const std::atomic<bool>* flag() const;
    // The exit status a shell expects after the signal that set the flag: 128 + its number
    // (130 for SIGINT, 143 for SIGTERM).
    int exit_status() const;
};

}  // namespace mcseg
