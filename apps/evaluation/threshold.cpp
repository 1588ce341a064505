// apps/evaluation/threshold.cpp — see threshold.h.
#include "apps/evaluation/threshold.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "apps/evaluation/class_error_table.h"
#include "engine/error.h"
#include "nets/weights.h"

namespace mcseg {

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

void store_threshold(const std::string& weights, const std::string& out, double t, const char* key) {
    if (!(t > 0 && t < 1)) fail("threshold ", t, " is not between 0 and 1");
    Metadata meta;
    Network net = load_network(weights, Device::CPU, &meta);
    std::erase_if(meta, [](const auto& kv) { return checkpoint_only_key(kv.first); });
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", t);
    meta[key] = text;
    save_network(out, net, meta);
}

double operating_threshold(const nlohmann::json& score, double fp_per_cm2, const std::string& path) {
    if (!score.is_object() || !score.contains("froc") || !score["froc"].is_array())
        fail("'", path, "' has no FROC curve (write it with mcseg score --json from folders with NAME_prob.png)");
    double best = -1;
    for (const nlohmann::json& p : score["froc"]) {
        if (!p.is_object() || !p.contains("fp_per_cm2") || !p["fp_per_cm2"].is_number() || !p.contains("threshold") ||
            !p["threshold"].is_number())
            fail("'", path, "': its FROC has no false MCs per cm² (score it with the truth folder's images)");
        const double t = p["threshold"].get<double>();
        if (p["fp_per_cm2"].get<double>() <= fp_per_cm2 && (best < 0 || t < best)) best = t;
    }
    if (best < 0) fail("'", path, "': no threshold of its FROC gives at most ", fp_per_cm2, " false MCs per cm²");
    return (std::round(best * 255) + 0.5) / 255;
}

double calibrate_operating_point(const std::string& weights, const std::string& score_path, double fp_per_cm2,
                                 const std::string& out) {
    Metadata meta;
    load_network_of_kind(weights, "segmentator", Device::CPU, &meta);  // refuses a Detector or a bad file
    std::ifstream in(score_path);
    if (!in) fail("cannot read '", score_path, "'");
    const nlohmann::json score = nlohmann::json::parse(in, nullptr, false);
    if (score.is_discarded()) fail("'", score_path, "' is not JSON");
    const double t = operating_threshold(score, fp_per_cm2, score_path);
    store_threshold(weights, out, t, kPipelineThresholdKey);
    return t;
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
