// apps/dataset/sqlite.cpp — see sqlite.h.
#include "apps/dataset/sqlite.h"

#include "engine/error.h"

namespace mcseg {

Stmt::Stmt(sqlite3* db, const char* sql, const std::string& where) : db_(db), where_(where) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) check(sqlite3_errcode(db));
}

bool Stmt::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) check(rc);
    return false;
}

void Stmt::run() {
    step();
    sqlite3_reset(s_);
}

std::string Stmt::str(int c) const {
    auto p = sqlite3_column_text(s_, c);
    return p ? reinterpret_cast<const char*>(p) : "";
}

void Stmt::check(int rc) {
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        fail("patch database '", where_, "' is locked by another process (is `mcseg patches` still writing it?)");
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
        fail("'", where_, "' is not a valid patch database (", sqlite3_errstr(rc), ")");
    fail("patch database '", where_, "': ", sqlite3_errmsg(db_));
}

void exec(sqlite3* db, const char* sql, const std::string& where) {
    Stmt s(db, sql, where);
    while (s.step()) {
    }
}

sqlite3* open_database(const std::string& path, int flags, const char* purpose) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        fail("cannot open patch database '", path, "'", purpose, ": ", msg);
    }
    sqlite3_busy_timeout(db, 2000);
    return db;
}

}  // namespace mcseg
