// Typed queries for stored fits and predictions (schema v2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/sqlite.hpp"

namespace scalelab::db {

struct FitRecord {
  std::int64_t id = 0;     // assigned by insert_fit
  std::string created_at;  // set by the database
  std::string law;         // "chinchilla", "kaplan", "isoflop", ...
  std::string source;      // sweep name or CSV path
  std::string input_hash;  // identity of the observations fitted (e.g. a hash of N, D, loss)
  std::string options_json = "{}";
  std::string result_json;  // the fit's documented JSON
};

struct PredictionRecord {
  std::int64_t id = 0;
  std::optional<std::int64_t> fit_id, run_id;
  std::string kind;  // "loss", "allocation" or "extrapolation"
  std::optional<double> params, tokens, flops, loss, loss_lo, loss_hi;
  std::string result_json = "{}";
};

// Inserts in one short transaction and fills in id and created_at.
void insert_fit(Database& db, FitRecord& fit);
std::optional<FitRecord> find_fit(Database& db, std::int64_t id);
// Throws InputError "no fit with id N in DB" when missing.
FitRecord require_fit(Database& db, std::int64_t id);
std::vector<FitRecord> list_fits(Database& db);

void insert_prediction(Database& db, PredictionRecord& prediction);
// The same inside a transaction the caller holds open (run_store.hpp's finish_run).
void insert_prediction_row(Database& db, PredictionRecord& prediction);
std::vector<PredictionRecord> list_predictions(Database& db, std::optional<std::int64_t> fit_id);

}  // namespace scalelab::db
