// One test at a time: tests share the tiny model folder, and one sets an environment variable.
[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]
