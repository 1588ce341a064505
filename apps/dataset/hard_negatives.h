// apps/dataset/hard_negatives.h — negatives a trained pipeline got wrong, kept in the patch
// database beside the regular patches and drawn as a stated share of each minibatch's negatives
// (SamplerConfig::hard_share), so that training cannot win with "a bright blob is an MC".
//
//   hard_negatives(image_id REFERENCES images(id) ON DELETE CASCADE,
//                  task ('detector' | 'segmentator'), class (2..4), y, x, round,
//                  PRIMARY KEY(image_id, task, y, x)) WITHOUT ROWID
// For the Segmentator: pixels of predicted MCs that overlap no true MC (the centre is not MC, so
// its class is C2, C3 or C4). For the Detector: centres of windows it called positive that hold
// no MC (C4). `round` counts mining rounds. A database built before this table existed has none.
#pragma once
#include <string>
#include <vector>

#include "apps/dataset/patch_db.h"

namespace mcseg {

inline constexpr const char* kHardNegativesSql =
    "CREATE TABLE IF NOT EXISTS hard_negatives(image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " task TEXT NOT NULL CHECK(task IN ('detector','segmentator')), class INTEGER NOT NULL CHECK(class BETWEEN 2 AND 4),"
    " y INTEGER NOT NULL, x INTEGER NOT NULL, round INTEGER NOT NULL, PRIMARY KEY(image_id, task, y, x)) WITHOUT ROWID";

struct HardNegative {
    int x = 0, y = 0, cls = 0;  // centre and its true class (2..4)
};

// Adds the negatives of one image (by name) for `task`, mined in `round`, in one transaction;
// returns how many were not there yet. An Error when the image is not in the database or a
// class is not 2..4.
long long add_hard_negatives(const std::string& db_path, const std::string& image, const std::string& task,
                             int round, const std::vector<HardNegative>& negatives);

}  // namespace mcseg
