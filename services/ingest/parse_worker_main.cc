// babillard-parse-worker: parses one calendar from stdin in a process of its
// own, under CPU and memory limits, for babillard-ingest.
#include "services/ingest/parse_worker.h"

int main(int argc, char** argv) { return babillard::ingest::RunParseWorker(argc, argv); }
