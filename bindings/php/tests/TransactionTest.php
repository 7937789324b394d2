<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Database;
use Libcs\Exception\Conflict;

final class TransactionTest extends LibcsTestCase
{
    /** @return list<string> every ticket's subject, seen through another handle */
    private function subjects(): array
    {
        $other = new Database($this->db->path, create: false);
        $subjects = array_column(iterator_to_array($other->tickets()), 'subject');
        $other->close();
        return $subjects;
    }

    public function testAClosureThatReturnsIsCommitted(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $number = $this->db->transaction(function (Database $db) use ($kim): int {
            $db->ticketCreate(subject: 'First', customer_id: $kim);
            return $db->ticketCreate(subject: 'Second', customer_id: $kim)['number'];
        });
        $this->assertSame(2, $number);
        $this->assertSame(['First', 'Second'], $this->subjects());
    }

    public function testAClosureThatThrowsIsRolledBackAndTheExceptionPassesOn(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $thrown = new \RuntimeException('payment provider down');
        try {
            $this->db->transaction(function (Database $db) use ($kim, $thrown): void {
                $db->ticketCreate(subject: 'Lost', customer_id: $kim);
                throw $thrown;
            });
            $this->fail('the exception was swallowed');
        } catch (\RuntimeException $e) {
            $this->assertSame($thrown, $e);
        }
        $this->assertSame([], $this->subjects());
        // The handle is usable, and no transaction is left open.
        $this->db->ticketCreate(subject: 'Kept', customer_id: $kim);
        $this->assertSame(['Kept'], $this->subjects());
    }

    public function testALibraryErrorRollsBackEverything(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $this->expectException(Conflict::class);
        try {
            $this->db->transaction(function (Database $db) use ($kim): void {
                $t = $db->ticketCreate(subject: 'Half done', customer_id: $kim);
                $db->ticketUpdate(id: $t['id'], status: 'closed');
            });
        } finally {
            $this->assertSame([], $this->subjects());
        }
    }

    public function testABulkSectionCommitsAllOrNothing(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $this->db->bulk(function (Database $db) use ($kim): void {
            $db->ticketCreate(subject: 'One', customer_id: $kim);
            $db->ticketCreate(subject: 'Two', customer_id: $kim);
        });
        $this->assertSame(['One', 'Two'], $this->subjects());
        try {
            $this->db->bulk(function (Database $db) use ($kim): void {
                $t = $db->ticketCreate(subject: 'Three', customer_id: $kim);
                $db->ticketUpdate(id: $t['id'], status: 'closed');
            });
            $this->fail('the failing call passed');
        } catch (Conflict) {
        }
        $this->assertSame(['One', 'Two'], $this->subjects());
    }

    public function testTransactionsNest(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $this->db->transaction(function (Database $db) use ($kim): void {
            $db->ticketCreate(subject: 'Outer', customer_id: $kim);
            try {
                $db->transaction(function (Database $db) use ($kim): void {
                    $db->ticketCreate(subject: 'Inner', customer_id: $kim);
                    throw new \DomainException('undo the inner one');
                });
            } catch (\DomainException) {
            }
            $db->ticketCreate(subject: 'After', customer_id: $kim);
        });
        $this->assertSame(['Outer', 'After'], $this->subjects());
    }
}
