// nets/evaluate.cpp — see evaluate.h.
#include "nets/evaluate.h"

#include <cmath>

#include "engine/error.h"
#include "engine/ops.h"
#include "nets/batch.h"

namespace mcseg {

int count_correct(const std::vector<float>& probs, const std::vector<float>& labels, int k, std::vector<bool>* correct) {
    int n = int(labels.size()), hits = 0;
    if (correct) correct->assign(n, false);
    for (int i = 0; i < n; ++i) {
        int best = 0;
        for (int c = 1; c < k; ++c)
            if (probs[size_t(i) * k + c] > probs[size_t(i) * k + best]) best = c;
        bool ok = best == int(labels[i]);
        hits += ok;
        if (correct) (*correct)[i] = ok;
    }
    return hits;
}

void tally(EvalResult& r, const std::vector<uint8_t>& cls, const std::vector<bool>& correct) {
    PerClass<int64_t> wrong{}, count{};
    int64_t hits = 0;
    for (size_t i = 0; i < correct.size(); ++i) {
        hits += correct[i];
        const int c = cls[i];
        if (c < kC1 || c > kC4) continue;
        ++count[c];
        wrong[c] += !correct[i];
    }
    r.accuracy = correct.empty() ? 0 : double(hits) / double(correct.size());
    r.class_count = count;
    for (int c = kC1; c <= kC4; ++c) r.class_error[c] = count[c] ? double(wrong[c]) / double(count[c]) : std::nan("");
}

void check_patch_side(const NetConfig& net, int patch, const std::string& other, const char* net_name) {
    if (patch != net.patch) fail(net_name, " takes ", net.patch, "-pixel patches but ", other, " has ", patch, "-pixel ones");
}

EvalResult evaluate(Network& net, EvalSource& data, int batch_size, std::vector<ItemOutcome>* items) {
    check_patch_side(net.config(), data.patch(), "the evaluation data");
    if (data.size() == 0) fail("evaluation set is empty");
    if (items) items->clear();
    NoGradGuard no_grad;
    EvalResult r;
    std::vector<uint8_t> cls;
    std::vector<bool> correct;
    double loss_sum = 0;
    Batch b;
    for (size_t begin = 0; begin < data.size(); begin += batch_size) {
        size_t count = std::min(size_t(batch_size), data.size() - begin);
        data.get(begin, count, b);
        Tensor x, y, probs;
        upload(b, net.device(), x, y);
        Tensor loss = ops::softmax_cross_entropy(net.forward(x, false), y, &probs);
        loss_sum += double(loss.item()) * b.size;
        std::vector<bool> ok;
        const std::vector<float> host = probs.to_host();
        count_correct(host, b.y, probs.dim(1), &ok);
        if (items)
            for (int i = 0; i < b.size; ++i) items->push_back({host[size_t(i) * probs.dim(1) + 1], ok[i]});
        for (int i = 0; i < b.size; ++i) cls.push_back(b.cls.empty() ? kNoClass : b.cls[i]);
        correct.insert(correct.end(), ok.begin(), ok.end());
        r.samples += b.size;
    }
    r.loss = loss_sum / double(r.samples);
    tally(r, cls, correct);
    return r;
}

}  // namespace mcseg
