#pragma once

namespace babillard::cli {

class Session;

// What each command does; the table in command_table.cc names them. Each
// returns the exit code (cli.h).
int Submit(Session& cli);
int Completion(Session& cli);
int Update(Session& cli);
int Cancel(Session& cli);
int Delete(Session& cli);
int Import(Session& cli);
int List(Session& cli);
int Show(Session& cli);
int OrgCreate(Session& cli);
int OrgList(Session& cli);
int OrgRotate(Session& cli);
int SourceAdd(Session& cli);
int SourceList(Session& cli);
int SourcePoll(Session& cli);
int SourceRemove(Session& cli);
int Split(Session& cli);
int FeedUrls(Session& cli);
int FeedCreate(Session& cli);
int FeedList(Session& cli);
int FeedDelete(Session& cli);
int WebhookCreate(Session& cli);
int WebhookList(Session& cli);
int WebhookDeliveries(Session& cli);
int WebhookDelete(Session& cli);
int WebhookRotateSecret(Session& cli);
int Watch(Session& cli);
int Changes(Session& cli);

}  // namespace babillard::cli
