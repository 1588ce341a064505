// apps/dataset/hard_negatives.h — examples a trained pipeline got wrong, kept in the patch
// database beside the regular patches and drawn as stated shares of each minibatch
// (SamplerConfig::hard_share for the negatives, hard_positive_share for the positives), so that
// training cannot win with "a bright blob is an MC", nor by giving up on the faint MCs.
//
//   hard_negatives(image_id REFERENCES images(id) ON DELETE CASCADE,
//                  task ('detector' | 'segmentator'), class (2..4), y, x, round,
//                  PRIMARY KEY(image_id, task, y, x)) WITHOUT ROWID
//   hard_positives(image_id, task, y, x, round): the same for class C1 (its own table, so that
//                  databases made before it keep their class check)
// Negatives, for the Segmentator: pixels of predicted MCs that overlap no true MC (the centre is
// not MC, so its class is C2, C3 or C4); for the Detector: centres of windows it called positive
// that hold no MC (C4). Positives, for the Segmentator: pixels of true MCs that no predicted MC
// overlaps (C1). `round` counts mining rounds. A database built before a table existed has none.
#pragma once
#include <string>
#include <vector>

#include "apps/dataset/patch_db.h"

namespace mcseg {

inline constexpr const char* kHardNegativesSql =
    "CREATE TABLE IF NOT EXISTS hard_negatives(image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " task TEXT NOT NULL CHECK(task IN ('detector','segmentator')), class INTEGER NOT NULL CHECK(class BETWEEN 2 AND 4),"
    " y INTEGER NOT NULL, x INTEGER NOT NULL, round INTEGER NOT NULL, PRIMARY KEY(image_id, task, y, x)) WITHOUT ROWID";
inline constexpr const char* kHardPositivesSql =
    "CREATE TABLE IF NOT EXISTS hard_positives(image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    " task TEXT NOT NULL CHECK(task IN ('detector','segmentator')), y INTEGER NOT NULL, x INTEGER NOT NULL,"
    " round INTEGER NOT NULL, PRIMARY KEY(image_id, task, y, x)) WITHOUT ROWID";

struct HardExample {
    int x = 0, y = 0, cls = 0;  // centre and its true class (1: a hard positive, 2..4: a hard negative)
};

// Adds the examples of one image (by name) for `task`, mined in `round`, in one transaction;
// returns how many were not there yet. An Error when the image is not in the database or a
// class is not 1..4.
long long add_hard_examples(const std::string& db_path, const std::string& image, const std::string& task,
                            int round, const std::vector<HardExample>& examples);

}  // namespace mcseg
