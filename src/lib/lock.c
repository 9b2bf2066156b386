/* lock: being written */
