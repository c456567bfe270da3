#include "cli/app.h"

int main(int argc, char** argv) { return k1s::cli::RunCli(argc, argv); }
