/* monitor: being written */
