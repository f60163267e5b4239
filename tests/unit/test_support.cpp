// Small helpers of the support layer: the progress line's time left.
#include "support/progress.hpp"

#include <catch2/catch.hpp>

using namespace deplsim;

TEST_CASE("the time left is rounded to the second before it is split", "[progress]") {
  CHECK(format_left(0.4) == "0 s left");
  CHECK(format_left(59.4) == "59 s left");
  CHECK(format_left(59.6) == "1 min 00 s left");  // not "60 s"
  CHECK(format_left(119.7) == "2 min 00 s left");  // not "1 min 60 s"
  CHECK(format_left(125) == "2 min 05 s left");
  CHECK(format_left(3599.6) == "1 h 00 min left");
  CHECK(format_left(7322) == "2 h 02 min left");
  CHECK(format_left(-3) == "0 s left");
}
