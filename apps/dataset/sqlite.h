// apps/dataset/sqlite.h — the little of SQLite the patch database needs: a prepared statement
// whose failures are mcseg::Errors naming the database (locked, not a database, corrupt, ...).
#pragma once
#include <sqlite3.h>

#include <string>

namespace mcseg {

class Stmt {
public:
    // `where` names the database in error messages.
    Stmt(sqlite3* db, const char* sql, const std::string& where);
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& bind(int i, long long v) { sqlite3_bind_int64(s_, i, v); return *this; }
    Stmt& bind(int i, double v) { sqlite3_bind_double(s_, i, v); return *this; }
    Stmt& bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), -1, SQLITE_TRANSIENT); return *this; }
    bool step();   // true while rows come
    void run();    // one step, then reset for the next bindings
    void reset() { sqlite3_reset(s_); }
    long long i64(int c) const { return sqlite3_column_int64(s_, c); }
    double f64(int c) const { return sqlite3_column_double(s_, c); }
    std::string str(int c) const;

private:
    [[noreturn]] void check(int rc);
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
    std::string where_;
};

// Runs a statement to its end.
void exec(sqlite3* db, const char* sql, const std::string& where);

// Opens the database at path (flags as sqlite3_open_v2); an Error naming it when that fails.
sqlite3* open_database(const std::string& path, int flags, const char* purpose);

}  // namespace mcseg
