/* nsexec: being written */
