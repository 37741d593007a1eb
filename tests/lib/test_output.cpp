#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/error.hpp"
#include "lib/output.hpp"

using namespace scalelab;

TEST_CASE("SI formatting") {
  CHECK(format_si(124439808) == "124M");
  CHECK(format_si(1e21) == "1.00Z");
  CHECK(format_si(0.5) == "0.5");
  CHECK(format_si(2500) == "2.50k");
  CHECK(format_si(5e25) == "50.0Y");
  CHECK(format_si(1.03e198) == "1.03e+198");  // a fitted A at a bound: no 175-digit Y
  CHECK(format_exact(0.1) == "0.1");
  CHECK(format_exact(-0.0) == "-0.0");  // "-0" reads back from JSON as the integer 0
  CHECK(format_exact(0.0) == "0");
}

TEST_CASE("a table prints as table, CSV and JSON") {
  Table t({"name", "params", "loss"});
  t.add_row({Cell::text("a,b"), Cell::si(1.5e6), Cell::fixed(3.14159, 2)});
  std::ostringstream table, csv, json;
  t.print(table, Format::kTable);
  t.print(csv, Format::kCsv);
  t.print(json, Format::kJson);
  CHECK(table.str().find("1.50M") != std::string::npos);
  CHECK(table.str().find("3.14") != std::string::npos);
  CHECK(csv.str() == "name,params,loss\n\"a,b\",1500000,3.14159\n");
  const auto doc = nlohmann::json::parse(json.str());
  CHECK(doc[0]["params"] == 1.5e6);
  CHECK(doc[0]["name"] == "a,b");
  CHECK_THROWS(t.add_row({Cell::text("short")}));
  CHECK_THROWS_AS(parse_format("xml"), InputError);
}

TEST_CASE("non-finite numbers: 'unbounded' / 'n/a' in tables, empty in CSV, null in JSON") {
  const double inf = HUGE_VAL, nan = std::nan("");
  CHECK(format_si(inf) == "unbounded");
  CHECK(format_si(-inf) == "unbounded");
  CHECK(format_si(nan) == "n/a");
  CHECK(format_si(-nan) == "n/a");
  CHECK(format_general(inf, 4) == "unbounded");
  CHECK(format_general(1393.85477, 4) == "1394");
  CHECK(format_fixed(nan, 4) == "n/a");
  CHECK(format_fixed(1.23456, 2) == "1.23");
  Table t({"quantity", "value", "lo", "hi"});
  t.add_row({Cell::text("N_opt"), Cell::si(inf), Cell::si(152), Cell::si(inf)});
  t.add_row({Cell::text("loss"), Cell::fixed(-nan, 4), Cell::integer(0), Cell::fixed(inf, 1)});
  std::ostringstream table, csv, json;
  t.print(table, Format::kTable);
  t.print(csv, Format::kCsv);
  t.print(json, Format::kJson);
  for (const std::string& text : {table.str(), csv.str(), json.str()}) {
    CAPTURE(text);
    CHECK(text.find("inf") == std::string::npos);
    CHECK(text.find("nan") == std::string::npos);
  }
  CHECK(table.str().find("unbounded") != std::string::npos);
  CHECK(table.str().find("n/a") != std::string::npos);
  CHECK(csv.str() == "quantity,value,lo,hi\nN_opt,,152,\nloss,,0,\n");
  const auto doc = nlohmann::json::parse(json.str());
  CHECK(doc[0]["value"].is_null());
  CHECK(doc[0]["lo"] == 152);
  CHECK(doc[1]["value"].is_null());
}
