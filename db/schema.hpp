// The versioned schema. Migration k takes a database from user_version k-1 to k; every
// migration runs in one BEGIN IMMEDIATE transaction, so a crash never leaves half a schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/sqlite.hpp"

namespace scalelab::db {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// Every migration in order; the last one's version is the current schema version.
const std::vector<Migration>& migrations();
int current_schema_version();
int schema_version(Database& db);

// Applies the missing migrations up to `target` (default: current). Throws scalelab::Error if
// the file's schema is newer than this build understands.
void migrate(Database& db, int target = -1);

// Opens the file at `path`, creating and migrating it (the one way the tool opens its store
// for writing).
Database open_database(const std::string& path);
// Opens and migrates an existing file; throws InputError naming `path` when there is none,
// so that commands that only read never leave an empty database behind.
Database open_existing_database(const std::string& path);

}  // namespace scalelab::db
