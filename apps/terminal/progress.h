// apps/terminal — what a long-running command shows and hears on the terminal: the progress bar,
// durations as text, and Ctrl-C as a request to stop cleanly (interrupt.h). It uses nothing of
// the project but the engine's errors; every other room may use it.
//
// apps/terminal/progress.h — a one-line progress bar for long runs (training, segmentation, synthesis).
//
// On a terminal it redraws one line on stderr:   [#####.....] 120/400  loss 0.31  acc 91.2%  512 /s  ETA 1m40s
// When stderr is not a terminal (logs, CI) it prints a plain line at most every `log_every_s`
// seconds instead, so logs stay readable.
#pragma once
#include <chrono>
#include <string>

namespace mcseg {

class Progress {
public:
    Progress(std::string label, long long total, double log_every_s = 10.0);
    // done: items finished so far; fields: extra text such as "loss 0.31  acc 91.2%";
    // rate_items: items per "done" unit for the rate (e.g. samples per step).
    void update(long long done, const std::string& fields = "", double items_per_unit = 1.0,
                const char* rate_unit = "/s");
    void finish(const std::string& fields = "");  // final line, then newline

private:
    std::string render(long long done, const std::string& fields, double items_per_unit,
                       const char* rate_unit) const;
    std::string label_;
    long long total_;
    double log_every_s_;
    bool tty_;
    std::chrono::steady_clock::time_point start_, last_print_;
    long long last_done_ = 0;
    double items_per_unit_ = 1.0;
    const char* rate_unit_ = "/s";
};

std::string format_duration(double seconds);  // "1h02m", "3m05s", "12.3s"

}  // namespace mcseg
