#include "services/publish/connection_limits.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace babillard::publish {
namespace {

TEST(ConnectionLimits, CapsConnectionsInAllAndPerAddressAndFreesThemOnClose) {
  ConnectionLimits limits(/*max_total=*/5, /*max_per_address=*/2);
  std::vector<std::unique_ptr<ConnectionLimits::Slot>> held;
  held.push_back(limits.Acquire("10.0.0.1"));
  held.push_back(limits.Acquire("10.0.0.1"));
  EXPECT_EQ(limits.Acquire("10.0.0.1"), nullptr) << "third from one address";
  held.push_back(limits.Acquire("10.0.0.2"));
  held.push_back(limits.Acquire("10.0.0.3"));
  held.push_back(limits.Acquire("10.0.0.4"));
  for (const auto& slot : held) ASSERT_NE(slot, nullptr);
  EXPECT_EQ(limits.Acquire("10.0.0.5"), nullptr) << "over the total";
  EXPECT_EQ(limits.open(), 5u);
  EXPECT_EQ(limits.refused(), 2);
  held.erase(held.begin());  // one of 10.0.0.1's closes
  EXPECT_NE(limits.Acquire("10.0.0.1"), nullptr);
  EXPECT_EQ(limits.open(), 4u) << "the slot just taken was dropped at once";
}

TEST(ConnectionLimits, TheCapFitsTheDescriptorLimit) {
  EXPECT_LE(ConnectionCapForDescriptors(1u << 30, 256), 1u << 30);
  EXPECT_EQ(ConnectionCapForDescriptors(10, 256), 10u);
}

}  // namespace
}  // namespace babillard::publish
