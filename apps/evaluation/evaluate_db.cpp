// apps/evaluation/evaluate_db.cpp — see evaluate_db.h.
#include "apps/evaluation/evaluate_db.h"

#include "apps/dataset/batch_sources.h"

namespace mcseg {

EvalResult evaluate_on_db(Network& net, Task task, const std::string& db, const std::string& split, size_t per_class,
                          uint64_t seed, std::vector<PatchOutcome>* outcomes) {
    PatchSet set(db, split, parse_input_norm(net.config().input));
    check_patch_side(net.config(), set.patch(), "the patch database '" + db + "'");
    EvalSetSource data(set, task, per_class, seed);
    std::vector<ItemOutcome> items;
    EvalResult r = evaluate(net, data, 1024, outcomes ? &items : nullptr);
    if (!outcomes) return r;
    outcomes->clear();
    for (size_t i = 0; i < items.size(); ++i) {
        const DbPatch& w = data.items().where(i);
        const DbImage& im = set.image(size_t(w.image));
        outcomes->push_back({im.name, im.mask_path, w.x, w.y, data.items().cls(i), items[i].p_positive, items[i].correct});
    }
    return r;
}

}  // namespace mcseg
