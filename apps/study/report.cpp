// apps/study/report.cpp — the study's report files (see report.h).
#include "apps/study/report.h"

#include <filesystem>
#include <fstream>

#include "apps/terminal/progress.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

ordered_json run_json(const StudyRun& r) {
    if (!r.not_constructible.empty())
        return {{"run", r.name}, {"constructible", false}, {"reason", r.not_constructible}};
    return {{"run", r.name},
            {"constructible", true},
            {"training", r.training},
            {"table1_argmax", table1_json(r.table1.at_argmax)},
            {"table1", table1_json(r.table1.at_threshold)},
            {"curves", (fs::path("runs") / r.name / "curves.png").string()}};
}

double seconds_total(const StudyReport& r) {
    return r.seconds_synth + r.seconds_patches + r.seconds_training + r.seconds_evaluation;
}

ordered_json report_json(const StudyReport& r) {
    const StudyOptions& o = r.options;
    ordered_json j{{"quick", o.quick}, {"seed", o.seed}, {"images", o.count}, {"device", backend_for(o.device).name()}};
    j["seconds_synth"] = r.seconds_synth;
    j["seconds_patches"] = r.seconds_patches;
    j["runs"] = ordered_json::array();
    for (const StudyRun& run : r.runs) j["runs"].push_back(run_json(run));
    j["seconds_training"] = r.seconds_training;
    j["seconds_evaluation"] = r.seconds_evaluation;
    j["seconds_total"] = seconds_total(r);
    j["seconds_this_invocation"] = r.seconds_this_invocation;
    return j;
}

void write_runs_table(std::ofstream& md, const StudyReport& r) {
    md << "## Runs\n\n| run | outcome | steps | best step | final lr | curves |\n| --- | --- | --- | --- | --- | --- |\n";
    for (const StudyRun& run : r.runs) {
        if (!run.not_constructible.empty()) {
            md << "| " << run.name << " | not constructible: " << run.not_constructible << " | | | | |\n";
            continue;
        }
        const auto& tr = run.training;
        md << "| " << run.name << " | " << tr["outcome"].get<std::string>() << " | " << tr["steps"] << " | "
           << tr["best_step"] << " | " << tr["final_lr"] << " | ![](" << run_json(run)["curves"].get<std::string>()
           << ") |\n";
    }
}

void write_markdown(const StudyReport& r, const fs::path& path) {
    const StudyOptions& o = r.options;
    const long long films = o.count / 4, digital = o.count - films;
    std::ofstream md(path);
    md << "# mcseg reproduction of Valvano et al., Table 1\n\n"
       << "Synthetic dataset: " << o.count << " mammograms (" << digital << " digital, " << films
       << " digitised film), " << r.synth.width << "x" << r.synth.height << " at " << r.synth.spacing_mm
       << " mm, seed " << o.seed << ", split by image 231/25/27 (scaled). Networks: width " << o.filters
       << ", at most " << o.steps << " steps of batch " << (o.quick ? 64 : 256)
       << ". Device: " << backend_for(o.device).name()
       << ".\n\nTest error rate per class and overall (class-balanced) accuracy, percent, each network deciding at"
          " the threshold it chose on the validation split (p > t; report.json also has the arg-max figures,"
          " table1_argmax); the paper's rows are for N = 49.\n\n"
       << table1_markdown(r.rows()) << "\n";
    write_runs_table(md, r);
    md << "\nTotal time " << format_duration(seconds_total(r)) << " (synthesis " << format_duration(r.seconds_synth)
       << ", patch databases " << format_duration(r.seconds_patches) << ", training "
       << format_duration(r.seconds_training) << ", calibration and evaluation "
       << format_duration(r.seconds_evaluation) << "), summed over every invocation on this folder; this one took "
       << format_duration(r.seconds_this_invocation) << ".\n";
}

}  // namespace

std::vector<Table1Row> StudyReport::rows() const {
    std::vector<Table1Row> rows;
    for (const StudyRun& run : runs)
        if (run.not_constructible.empty()) rows.push_back(run.table1.at_threshold);
    return rows;
}

void write_study_report(const StudyReport& r) {
    const fs::path out = r.options.out;
    write_markdown(r, out / "report.md");
    std::ofstream(out / "report.json") << report_json(r).dump(2) << "\n";
}

}  // namespace mcseg
