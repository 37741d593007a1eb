#include "db/fit_store.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"

namespace scalelab::db {
namespace {

constexpr const char* kFitColumns =
    "SELECT id, created_at, law, source, input_hash, options_json, result_json FROM fits";

FitRecord read_fit(const Statement& s) {
  return FitRecord{s.column_int(0),  s.column_text(1), s.column_text(2), s.column_text(3),
                   s.column_text(4), s.column_text(5), s.column_text(6)};
}

}  // namespace

void insert_fit(Database& db, FitRecord& fit) {
  Transaction tx(db);
  db.prepare(
        "INSERT INTO fits (law, source, input_hash, options_json, result_json) "
        "VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind(1, fit.law)
      .bind(2, fit.source)
      .bind(3, fit.input_hash)
      .bind(4, fit.options_json)
      .bind(5, fit.result_json)
      .run();
  fit.id = db.last_insert_rowid();
  tx.commit();
  fit.created_at = find_fit(db, fit.id)->created_at;
}

std::optional<FitRecord> find_fit(Database& db, std::int64_t id) {
  Statement s = db.prepare(std::string(kFitColumns) + " WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_fit(s);
}

FitRecord require_fit(Database& db, std::int64_t id) {
  if (auto fit = find_fit(db, id)) return *fit;
  throw InputError(
      fmt::format("--fit: no fit with id {} in '{}' (`scalelab fit` stores one)", id, db.path()));
}

std::vector<FitRecord> list_fits(Database& db) {
  Statement s = db.prepare(std::string(kFitColumns) + " ORDER BY id");
  std::vector<FitRecord> out;
  while (s.step()) out.push_back(read_fit(s));
  return out;
}

void insert_prediction(Database& db, PredictionRecord& p) {
  Transaction tx(db);
  insert_prediction_row(db, p);
  tx.commit();
}

void insert_prediction_row(Database& db, PredictionRecord& p) {
  db.prepare(
        "INSERT INTO predictions (fit_id, run_id, kind, params, tokens, flops, loss, loss_lo, "
        "loss_hi, result_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
      .bind(1, p.fit_id)
      .bind(2, p.run_id)
      .bind(3, p.kind)
      .bind(4, p.params)
      .bind(5, p.tokens)
      .bind(6, p.flops)
      .bind(7, p.loss)
      .bind(8, p.loss_lo)
      .bind(9, p.loss_hi)
      .bind(10, p.result_json)
      .run();
  p.id = db.last_insert_rowid();
}

std::vector<PredictionRecord> list_predictions(Database& db, std::optional<std::int64_t> fit_id) {
  Statement s = db.prepare(
      "SELECT id, fit_id, run_id, kind, params, tokens, flops, loss, loss_lo, loss_hi, "
      "result_json FROM predictions WHERE ?1 IS NULL OR fit_id = ?1 ORDER BY id");
  s.bind(1, fit_id);
  std::vector<PredictionRecord> out;
  while (s.step()) {
    PredictionRecord p;
    p.id = s.column_int(0);
    if (!s.is_null(1)) p.fit_id = s.column_int(1);
    if (!s.is_null(2)) p.run_id = s.column_int(2);
    p.kind = s.column_text(3);
    p.params = s.column_optional_double(4);
    p.tokens = s.column_optional_double(5);
    p.flops = s.column_optional_double(6);
    p.loss = s.column_optional_double(7);
    p.loss_lo = s.column_optional_double(8);
    p.loss_hi = s.column_optional_double(9);
    p.result_json = s.column_text(10);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace scalelab::db
