"""OpenDART disclosures (공시): the list.json protocol, the pure polling session, the poller."""
