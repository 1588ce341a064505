// apps/terminal/progress.cpp — see progress.h.
#include "apps/terminal/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mcseg {

std::string format_duration(double s) {
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
    else std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
}

Progress::Progress(std::string label, long long total, double log_every_s)
    : label_(std::move(label)), total_(std::max(1LL, total)), log_every_s_(log_every_s),
      tty_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()), last_print_(start_) {}

std::string Progress::render(long long done, const std::string& fields, double items_per_unit,
                             const char* rate_unit) const {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double frac = std::min(1.0, double(done) / double(total_));
    const int width = 24;
    int filled = int(frac * width + 0.5);
    std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
    char tail[160];
    double rate = elapsed > 0 ? done * items_per_unit / elapsed : 0.0;
    double eta = done > 0 ? elapsed * (total_ - done) / done : 0.0;
    std::snprintf(tail, sizeof tail, " %lld/%lld  %.3g %s  %s %s", done, total_, rate, rate_unit,
                  done >= total_ ? "took" : "ETA", format_duration(done >= total_ ? elapsed : eta).c_str());
    return label_ + " " + bar + tail + (fields.empty() ? "" : "  " + fields);
}

void Progress::update(long long done, const std::string& fields, double items_per_unit, const char* rate_unit) {
    auto now = std::chrono::steady_clock::now();
    double since = std::chrono::duration<double>(now - last_print_).count();
    last_done_ = done;
    items_per_unit_ = items_per_unit;
    rate_unit_ = rate_unit;
    if (tty_) {
        if (since < 0.1 && done < total_) return;  // redraw at most 10 times a second
        std::fprintf(stderr, "\r\033[K%s", render(done, fields, items_per_unit, rate_unit).c_str());
    } else {
        if (since < log_every_s_) return;
        std::fprintf(stderr, "%s\n", render(done, fields, items_per_unit, rate_unit).c_str());
    }
    std::fflush(stderr);
    last_print_ = now;
}

void Progress::finish(const std::string& fields) {
    std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", render(last_done_, fields, items_per_unit_, rate_unit_).c_str());
}

}  // namespace mcseg
