// nets/evaluate.h — a network's verdict on a fixed set of labelled patches: the mean loss, the
// accuracy and the error rate of each patch class C1..C4 (the paper's Table 1 is made of these).
// Training evaluates its validation set with it; apps/evaluation/ its test set.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nets/batch.h"
#include "nets/network.h"
#include "nets/patch_class.h"

namespace mcseg {

// A fixed evaluation set (validation or test), read in order.
class EvalSource {
public:
    virtual ~EvalSource() = default;
    virtual int patch() const = 0;
    virtual size_t size() const = 0;
    virtual void get(size_t begin, size_t count, Batch& out) = 0;
};

struct EvalResult {
    double loss = 0, accuracy = 0;       // mean cross-entropy; fraction correct (0..1)
    PerClass<double> class_error{};      // error rate per class (0..1), NaN when absent
    PerClass<int64_t> class_count{};
    int64_t samples = 0;
};

// What the network made of one item of an evaluation set.
struct ItemOutcome {
    float p_positive = 0;  // probability of label 1
    bool correct = false;  // the arg-max is the label
};

// Eval-mode forward over the whole set, batch by batch, recording nothing. When `items` is
// given it receives the outcome of every item of the set, in order.
EvalResult evaluate(Network& net, EvalSource& data, int batch_size = 1024, std::vector<ItemOutcome>* items = nullptr);

// Sets r.accuracy, r.class_count and r.class_error from decided items: item i of class cls[i]
// (1..4; other values count towards the accuracy only) was decided correctly or not.
void tally(EvalResult& r, const std::vector<uint8_t>& cls, const std::vector<bool>& correct);

// Rows of probs [n, k] (host) whose arg-max is the label; `correct` (optional) gets each row's verdict.
int count_correct(const std::vector<float>& probs, const std::vector<float>& labels, int k,
                  std::vector<bool>* correct = nullptr);

// An Error unless `net` takes patches of side `patch`, as `other` does (e.g. "the patch database
// 'p.db'"): "the network takes 49-pixel patches but ... has 29-pixel ones".
void check_patch_side(const NetConfig& net, int patch, const std::string& other, const char* net_name = "the network");

}  // namespace mcseg
