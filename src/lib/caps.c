/* caps: being written */
