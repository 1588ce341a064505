// apps/terminal/interrupt.h — Ctrl-C as a request, not a kill: while a SigintScope is alive, SIGINT only
// sets a flag that long loops (training) poll, so they can save their work and stop cleanly.
#pragma once
#include <atomic>

namespace mcseg {

class SigintScope {
public:
    SigintScope();   // installs the handler and clears the flag
    ~SigintScope();  // restores the default action
    SigintScope(const SigintScope&) = delete;
    SigintScope& operator=(const SigintScope&) = delete;
    const std::atomic<bool>* flag() const;
};

}  // namespace mcseg
