// apps/evaluation/threshold.cpp — see threshold.h.
#include "apps/evaluation/threshold.h"

#include <cmath>
#include <cstdio>

#include "apps/evaluation/class_error_table.h"
#include "engine/error.h"
#include "engine/safetensors.h"
#include "nets/weights.h"

namespace mcseg {

double stored_threshold(const std::map<std::string, std::string>& metadata, const std::string& path) {
    auto it = metadata.find(kThresholdKey);
    if (it == metadata.end()) return 0.5;
    char* end = nullptr;
    const double t = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !(t > 0 && t < 1))
        fail("'", path, "': metadata ", kThresholdKey, " is '", it->second, "', not a number between 0 and 1");
    return t;
}

EvalResult decide_at(std::vector<PatchOutcome>& outcomes, Task task, double t, const EvalResult& base) {
    EvalResult r = base;
    std::vector<uint8_t> cls;
    std::vector<bool> correct;
    for (PatchOutcome& o : outcomes) {
        o.correct = (o.p_positive > t) == is_positive(task, o.cls);
        cls.push_back(uint8_t(o.cls));
        correct.push_back(o.correct);
    }
    tally(r, cls, correct);
    return r;
}

std::vector<ThresholdRow> threshold_sweep(std::vector<PatchOutcome> outcomes, Task task, const EvalResult& base) {
    std::vector<ThresholdRow> rows;
    for (int k = 1; k <= 19; ++k) rows.push_back({k / 20.0, decide_at(outcomes, task, k / 20.0, base)});
    return rows;
}

double best_threshold(const std::vector<ThresholdRow>& sweep) {
    if (sweep.empty()) fail("best_threshold: empty sweep");
    const ThresholdRow* best = &sweep.front();
    for (const ThresholdRow& r : sweep) {
        const double a = overall_accuracy(r.result), b = overall_accuracy(best->result);
        // Accuracies are counts over the same patches; 1e-12 only absorbs rounding.
        if (a > b + 1e-12 || (a > b - 1e-12 && std::abs(r.threshold - 0.5) < std::abs(best->threshold - 0.5)))
            best = &r;
    }
    return best->threshold;
}

std::string sweep_markdown(const std::vector<ThresholdRow>& sweep, double chosen) {
    std::string md = "| threshold | C1 error % | C2 error % | C3 error % | C4 error % | overall accuracy % |\n"
                     "| --- | --- | --- | --- | --- | --- |\n";
    char line[160];
    for (const ThresholdRow& r : sweep) {
        const auto& e = r.result.class_error;
        std::snprintf(line, sizeof line, "| %.2f%s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", r.threshold,
                      std::abs(r.threshold - chosen) < 1e-9 ? " (chosen)" : "", 100 * e[1], 100 * e[2], 100 * e[3],
                      100 * e[4], 100 * overall_accuracy(r.result));
        md += line;
    }
    return md;
}

void store_threshold(const std::string& weights, const std::string& out, double t) {
    if (!(t > 0 && t < 1)) fail("threshold ", t, " is not between 0 and 1");
    SafeTensorsFile f = load_safetensors(weights);
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& [name, e] : f.entries) {
        if (e.dtype != "F32") fail("'", weights, "': tensor '", name, "' is ", e.dtype, ", not F32");
        tensors.push_back({name, e.tensor});
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", t);
    f.metadata[kThresholdKey] = text;
    save_safetensors(out, tensors, f.metadata);
}

Calibration calibrate_on_db(const std::string& weights, const std::string& db, const std::string& split,
                            size_t per_class, Device device, const std::string& out) {
    if (split == "test") fail("calibrating on the test split would choose the threshold Table 1 is scored at; use val");
    Metadata meta;
    Network net = load_network(weights, device, &meta);
    const Task task = parse_task(network_kind(meta, weights));
    std::vector<PatchOutcome> outcomes;
    const EvalResult base = evaluate_on_db(net, task, db, split, per_class, streams::kEvalSetSeed, &outcomes);
    Calibration c;
    c.sweep = threshold_sweep(outcomes, task, base);
    c.threshold = best_threshold(c.sweep);
    store_threshold(weights, out, c.threshold);
    return c;
}

}  // namespace mcseg
