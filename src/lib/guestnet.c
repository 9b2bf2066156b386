/* guestnet: being written */
