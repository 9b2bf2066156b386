/* spawn: being written */
