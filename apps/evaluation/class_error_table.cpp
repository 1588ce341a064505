// apps/evaluation/class_error_table.cpp — see class_error_table.h.
#include "apps/evaluation/class_error_table.h"

#include <cmath>
#include <cstdio>

#include "apps/evaluation/paper_figures.h"
#include "apps/evaluation/threshold.h"

namespace mcseg {

using nlohmann::json;

static json percent_or_null(double fraction) { return std::isnan(fraction) ? json(nullptr) : json(100 * fraction); }

// Accuracy as a weighted mean of the per-class accuracies over the classes present.
static double weighted_accuracy(const EvalResult& r, const PerClass<double>& weight) {
    double sum = 0, total = 0;
    for (int c = kC1; c <= kC4; ++c)
        if (!std::isnan(r.class_error[c])) {
            sum += weight[c] * (1 - r.class_error[c]);
            total += weight[c];
        }
    return total > 0 ? sum / total : r.accuracy;
}

double overall_accuracy(const EvalResult& r) { return weighted_accuracy(r, {{3, 1, 1, 1}}); }

double class_mean_accuracy(const EvalResult& r) { return weighted_accuracy(r, {{1, 1, 1, 1}}); }

json table1_json(const Table1Row& r) {
    json j{{"net", r.net},
           {"conv", r.conv},
           {"patch", r.patch},
           {"threshold", r.threshold},
           {"samples", r.result.samples},
           {"loss", r.result.loss},
           {"overall_accuracy", 100 * overall_accuracy(r.result)},
           {"class_mean_accuracy", 100 * class_mean_accuracy(r.result)},
           {"sample_accuracy", 100 * r.result.accuracy}};
    for (int c = kC1; c <= kC4; ++c) {
        std::string name = "C" + std::to_string(c);
        j["class_error"][name] = percent_or_null(r.result.class_error[c]);
        j["class_count"][name] = r.result.class_count[c];
    }
    if (const PaperRow* p = r.patch == 49 ? paper_row(r.net, r.conv) : nullptr) {
        for (int c = kC1; c <= kC4; ++c) j["paper"]["class_error"]["C" + std::to_string(c)] = p->class_error[c];
        j["paper"]["overall_accuracy"] = p->overall_accuracy;
    }
    return j;
}

static std::string cell(double v) {
    if (std::isnan(v)) return "—";
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

std::string table1_markdown(const std::vector<Table1Row>& rows) {
    std::string s = "| network | N | conv | source | C1 error % | C2 error % | C3 error % | C4 error % | overall accuracy % "
                    "| class-mean accuracy % |\n"
                    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        const Table1Row& r = rows[i];
        std::string head = "| " + r.net + " | " + std::to_string(r.patch) + " | " + r.conv + " | ";
        s += head + "mcseg";
        if (r.threshold != 0.5) s += " (p > " + cell(r.threshold) + ")";
        for (double e : r.result.class_error) s += " | " + cell(100 * e);
        s += " | " + cell(100 * overall_accuracy(r.result)) + " | " + cell(100 * class_mean_accuracy(r.result)) + " |\n";
        const bool last = i + 1 == rows.size() || rows[i + 1].net != r.net || rows[i + 1].conv != r.conv ||
                          rows[i + 1].patch != r.patch;
        if (const PaperRow* p = last && r.patch == 49 ? paper_row(r.net, r.conv) : nullptr) {
            s += head + "paper";
            EvalResult paper;
            for (int c = kC1; c <= kC4; ++c) {
                s += " | " + cell(p->class_error[c]);
                paper.class_error[c] = p->class_error[c] / 100;
            }
            s += " | " + cell(p->overall_accuracy) + " | " + cell(100 * class_mean_accuracy(paper)) + " |\n";
        }
    }
    return s;
}

Table1Eval table1_on_db(Network& net, const std::string& kind, const std::string& db, const std::string& split,
                        size_t per_class, double threshold, uint64_t seed) {
    const Task task = parse_task(kind);
    Table1Eval t;
    const EvalResult base = evaluate_on_db(net, task, db, split, per_class, seed, &t.outcomes);
    const NetConfig& cfg = net.config();
    const std::string conv = cfg.same ? "same" : "valid";
    t.at_argmax = {kind, conv, cfg.patch, decide_at(t.outcomes, task, 0.5, base), 0.5};
    t.at_threshold = {kind, conv, cfg.patch, decide_at(t.outcomes, task, threshold, base), threshold};
    return t;
}

}  // namespace mcseg
