// apps/dataset/hard_negatives.cpp — see hard_negatives.h.
#include "apps/dataset/hard_negatives.h"

#include <memory>

#include "apps/dataset/sqlite.h"
#include "engine/error.h"

namespace mcseg {

long long add_hard_examples(const std::string& db_path, const std::string& image, const std::string& task,
                            int round, const std::vector<HardExample>& examples) {
    if (task != "detector" && task != "segmentator") fail("unknown task '", task, "'");
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(open_database(db_path, SQLITE_OPEN_READWRITE, " for writing"),
                                                      sqlite3_close);
    sqlite3* db = guard.get();
    exec(db, "PRAGMA foreign_keys = ON", db_path);
    exec(db, kHardNegativesSql, db_path);
    exec(db, kHardPositivesSql, db_path);
    Stmt id(db, "SELECT id FROM images WHERE name = ?", db_path);
    id.bind(1, image);
    if (!id.step()) fail("image '", image, "' is not in the patch database '", db_path, "'");
    const long long image_id = id.i64(0);
    Stmt neg(db, "INSERT OR IGNORE INTO hard_negatives(image_id, task, class, y, x, round) VALUES (?,?,?,?,?,?)",
             db_path);
    Stmt pos(db, "INSERT OR IGNORE INTO hard_positives(image_id, task, y, x, round) VALUES (?,?,?,?,?)", db_path);
    long long added = 0;
    exec(db, "BEGIN IMMEDIATE", db_path);
    try {
        for (const HardExample& h : examples) {
            if (h.cls < kC1 || h.cls > kC4) fail("hard example of class ", h.cls, " (must be C1..C4)");
            if (h.cls == kC1) {
                pos.bind(1, image_id).bind(2, task).bind(3, (long long)h.y).bind(4, (long long)h.x);
                pos.bind(5, (long long)round).run();
            } else {
                neg.bind(1, image_id).bind(2, task).bind(3, (long long)h.cls).bind(4, (long long)h.y);
                neg.bind(5, (long long)h.x).bind(6, (long long)round).run();
            }
            added += sqlite3_changes(db);
        }
        exec(db, "COMMIT", db_path);
    } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return added;
}

}  // namespace mcseg
