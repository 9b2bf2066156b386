/* state: being written */
