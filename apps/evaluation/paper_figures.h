// apps/evaluation/paper_figures.h — the figures of Valvano et al. that mcseg reproduces (Table 1: test error rate
// per patch class and overall test accuracy, percent, N = 49).
#pragma once
#include <string>

#include "nets/patch_class.h"

namespace mcseg {

struct PaperRow {
    const char* net;   // "detector" | "segmentator"
    const char* conv;  // "same" | "valid"
    PerClass<double> class_error;       // percent
    double overall_accuracy;            // percent
};

inline constexpr PaperRow kPaperTable1[] = {
    {"detector", "valid", {{0.19, 1.22, 20.28, 1.69}}, 96.04},
    {"detector", "same", {{0.09, 0.47, 7.84, 2.09}}, 98.22},
    {"segmentator", "valid", {{1.85, 15.32, 0.34, 0.55}}, 96.37},
    {"segmentator", "same", {{1.57, 10.03, 0.24, 0.20}}, 97.47},
};

inline const PaperRow* paper_row(const std::string& net, const std::string& conv) {
    for (const auto& r : kPaperTable1)
        if (net == r.net && conv == r.conv) return &r;
    return nullptr;
}

}  // namespace mcseg
