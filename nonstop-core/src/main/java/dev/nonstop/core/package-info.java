/**
 * What two or more Nonstop parts share. The supervisor owns processes, the gateway owns traffic, the
 * registry owns membership; all three speak {@link dev.nonstop.core.InstanceState} and
 * {@link dev.nonstop.core.InstanceEvent}.
 *
 * <p>Invariants: an instance's state changes only along the edges listed in {@link
 * dev.nonstop.core.InstanceState}; every change is one event, delivered to listeners in the order it
 * happened for that instance; only {@link dev.nonstop.core.InstanceState#READY} instances receive
 * traffic.
 */
package dev.nonstop.core;
