/* cgroup: being written */
