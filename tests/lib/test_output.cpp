#include <doctest/doctest.h>

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
