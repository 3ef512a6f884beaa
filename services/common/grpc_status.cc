#include "services/common/grpc_status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"

namespace babillard {
namespace {

constexpr char kBadRequestUrl[] = "type.googleapis.com/google.rpc.BadRequest";

}  // namespace

absl::Status BadRequestError(std::string_view message,
                             const std::vector<FieldViolation>& violations) {
  absl::Status status(absl::StatusCode::kInvalidArgument,
                      absl::string_view(message.data(), message.size()));
  google::rpc::BadRequest details;
  for (const FieldViolation& v : violations) {
    auto* out = details.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  status.SetPayload(kBadRequestUrl, absl::Cord(details.SerializeAsString()));
  return status;
}

absl::Status FieldViolationsError(const std::vector<FieldViolation>& violations) {
  return BadRequestError(absl::StrCat(violations[0].field, ": ", violations[0].description),
                         violations);
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest details;
  if (!details.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : details.field_violations()) out.push_back({v.field(), v.description()});
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::string message(status.message());
  auto payload = status.GetPayload(kBadRequestUrl);
  if (!payload.has_value())
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  auto* any = details.add_details();
  any->set_type_url(kBadRequestUrl);
  any->set_value(std::string(*payload));
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (!status.error_details().empty()) {
    google::rpc::Status details;
    if (details.ParseFromString(status.error_details())) {
      for (const auto& any : details.details()) {
        if (any.type_url() == kBadRequestUrl)
          out.SetPayload(kBadRequestUrl, absl::Cord(any.value()));
      }
    }
  }
  return out;
}

}  // namespace babillard
