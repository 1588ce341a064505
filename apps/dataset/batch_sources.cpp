// apps/dataset/batch_sources.cpp — see batch_sources.h.
#include "apps/dataset/batch_sources.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.h"

namespace mcseg {

PerClass<double> parse_quota(const std::string& text) {
    PerClass<double> q{};
    std::stringstream s(text);
    std::string item;
    int c = 1;
    while (std::getline(s, item, ',')) {
        if (c > 4) fail("quota '", text, "' has more than four entries (c1,c2,c3,c4)");
        try {
            size_t used = 0;
            q[c] = std::stod(item, &used);
            if (used != item.size() || q[c] < 0) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            fail("quota '", text, "': '", item, "' is not a non-negative number");
        }
        ++c;
    }
    if (c != 5) fail("quota '", text, "' needs four entries (c1,c2,c3,c4)");
    return q;
}

void SamplerSource::train_batch(int64_t step, int batch_size, Batch& out) {
    sampler_.seek(uint64_t(step));
    sampler_.next(out);
    if (out.size != batch_size) fail("sampler made a batch of ", out.size, ", expected ", batch_size);
}

std::map<std::string, std::string> DataSpec::metadata() const {
    std::map<std::string, std::string> m{
        {"mcseg.kind", kind}, {"mcseg.db", db}, {"mcseg.quota", quota}, {"mcseg.val_per_class", std::to_string(val_per_class)}};
    if (hard_share > 0) m["mcseg.hard_share"] = cat(hard_share);
    if (hard_positive_share > 0) m["mcseg.hard_positive_share"] = cat(hard_positive_share);
    if (intensity_augment) m["mcseg.intensity_augment"] = "1";
    return m;
}

namespace {

// The share stored under key (0 when absent); an Error when it is not a number in [0, 1].
double share_in(const std::map<std::string, std::string>& meta, const char* key) {
    const auto it = meta.find(key);
    if (it == meta.end()) return 0;
    const nlohmann::json share = nlohmann::json::parse(it->second, nullptr, false);
    if (!share.is_number() || !(share.get<double>() >= 0 && share.get<double>() <= 1))
        fail(key, " is not a share in [0, 1]");
    return share.get<double>();
}

}  // namespace

DataSpec DataSpec::from_metadata(const std::map<std::string, std::string>& meta, const std::string& where) {
    DataSpec d;
    for (const char* key : {"mcseg.kind", "mcseg.db", "mcseg.quota", "mcseg.val_per_class"})
        if (!meta.count(key)) fail("'", where, "': the run's metadata lacks ", key);
    try {
        d.kind = meta.at("mcseg.kind");
        parse_task(d.kind);
        d.db = meta.at("mcseg.db");
        d.quota = meta.at("mcseg.quota");
        parse_quota(d.quota);
        const nlohmann::json count = nlohmann::json::parse(meta.at("mcseg.val_per_class"), nullptr, false);
        if (!count.is_number_unsigned() || count.get<uint64_t>() < 1) fail("mcseg.val_per_class is not a count");
        d.val_per_class = count.get<size_t>();
        d.hard_share = share_in(meta, "mcseg.hard_share");
        d.hard_positive_share = share_in(meta, "mcseg.hard_positive_share");
    } catch (const Error& e) {
        fail("'", where, "': ", e.what());
    }
    d.intensity_augment = meta.count("mcseg.intensity_augment") > 0;
    return d;
}

TrainResult train_on_db(Trainer& trainer, const DataSpec& data, TrainObserver& observer, const std::atomic<bool>* stop) {
    const Task task = parse_task(data.kind);
    const InputNorm input = parse_input_norm(trainer.network().config().input);
    const bool hard = data.hard_share > 0 || data.hard_positive_share > 0;
    PatchSet train_set(data.db, "train", input, hard ? data.kind : ""), val_set(data.db, "val", input);
    SamplerConfig sc;
    sc.task = task;
    sc.batch = trainer.config().batch;
    sc.quota = parse_quota(data.quota);
    sc.seed = trainer.config().seed;
    sc.hard_share = data.hard_share;
    sc.hard_positive_share = data.hard_positive_share;
    sc.intensity_augment = data.intensity_augment;
    SamplerSource train_source(train_set, sc);
    EvalSetSource val_source(val_set, task, data.val_per_class);
    return trainer.run(train_source, val_source, observer, stop);
}

}  // namespace mcseg
