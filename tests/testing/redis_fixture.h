#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <memory>
#include <string>

#include "services/common/redis/connection_pool.h"
#include "services/common/redis/redis_process.h"
#include "tests/testing/child_process.h"

namespace babillard::testing {

// One real redis-server per test binary (unix socket, AOF always), emptied
// before each test.
class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signal(SIGPIPE, SIG_IGN);
    dir_ = new std::string(MakeTempDir("babillard-redis"));
    redis::RedisProcessOptions options;
    options.dir = *dir_;
    auto process = redis::RedisProcess::Start(options);
    ASSERT_TRUE(process.ok()) << process.status();
    redis_ = process->release();
  }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (redis_->pid() <= 0) {
      ASSERT_TRUE(redis_->Restart().ok());
    }
    redis::PoolOptions options;
    options.address = redis_->address();
    options.timeout = absl::Seconds(2);
    pool_ = std::make_unique<redis::ConnectionPool>(options);
    auto reply = pool_->Run({"FLUSHALL"});
    ASSERT_TRUE(reply.ok()) << reply.status();
  }
  // A command's reply, failing the test on I/O errors.
  redis::Reply Redis(std::vector<std::string> args) {
    auto reply = pool_->Run(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : redis::Reply();
  }

  static inline std::string* dir_ = nullptr;
  static inline redis::RedisProcess* redis_ = nullptr;
  std::unique_ptr<redis::ConnectionPool> pool_;
};

}  // namespace babillard::testing
