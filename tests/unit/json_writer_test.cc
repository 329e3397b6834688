#include <catch2/catch.hpp>
#include <stdexcept>

#include "protocol/json_writer.h"

using bedrock::JsonWriter;
using nlohmann::json;

namespace {

// What json_response writes for the same tree.
std::string dumped(const json& tree) {
  return tree.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("JsonWriter writes the bytes dump() writes for the same tree") {
  const std::string tricky =
      "quote \" backslash \\ slash / tab \t nl \n ctl \x01 \xc3\xa9 \xe2\x82\xac";
  const std::string invalid = "cut \xc3 and \xff end";
  const json nested = {{"b", {1, 2.5, nullptr, true}}, {"a", "x"}};

  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("array");
  w.begin_array();
  w.text(tricky);
  w.text(invalid);
  w.number(-42);
  w.number(INT64_MAX);
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.end_array();
  w.key("nested");
  w.value(nested);
  w.key("text");
  w.text("");
  w.end_object();

  const json tree = {
      {"text", ""},
      {"nested", nested},
      {"array", {tricky, invalid, -42, INT64_MAX, json::object(), json::array()}},
  };
  CHECK(out == dumped(tree));
}

TEST_CASE("JsonWriter reuses its scratch string for texts of any length") {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.text(std::string(100, 'a'));
  w.text("b");
  w.text(std::string(300, 'c'));
  w.end_array();
  CHECK(out == dumped(json::array({std::string(100, 'a'), "b", std::string(300, 'c')})));
}

TEST_CASE("JsonWriter refuses what would not match dump()") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("b");
  w.number(1);
  // dump() writes members in key order: "a" after "b" would change the bytes.
  CHECK_THROWS_AS(w.key("a"), std::logic_error);
  CHECK_THROWS_AS(w.key("b"), std::logic_error);
  CHECK_THROWS_AS(w.number(2), std::logic_error);  // a member without its key
  CHECK_THROWS_AS(w.end_array(), std::logic_error);
  w.end_object();
  CHECK(out == R"({"b":1})");
}
